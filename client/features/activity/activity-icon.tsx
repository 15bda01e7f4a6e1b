import type { EventTone } from "./describe-event";

// Paths from Feather icons (MIT): log-in, log-out, x-circle, clock, alert-triangle, key, mail,
// refresh-cw.
const PATHS: Record<EventTone, string[]> = {
  "signed-in": ["M15 3h4a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-4", "M10 17l5-5-5-5", "M15 12H3"],
  "signed-out": ["M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4", "M16 17l5-5-5-5", "M21 12H9"],
  ended: ["M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z", "M15 9l-6 6", "M9 9l6 6"],
  expired: ["M21 12a9 9 0 1 1-18 0 9 9 0 0 1 18 0z", "M12 7v5l3 2"],
  warning: [
    "M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9a2 2 0 0 0-3.4 0z",
    "M12 9v4",
    "M12 17h.01",
  ],
  password: [
    "M21 2l-2 2m-7.6 7.6a5.5 5.5 0 1 1-7.8 7.8 5.5 5.5 0 0 1 7.8-7.8zm0 0L15.5 7.5m0 0l3 3L22 7l-3-3m-3.5 3.5L19 4",
  ],
  email: [
    "M4 4h16c1.1 0 2 .9 2 2v12c0 1.1-.9 2-2 2H4c-1.1 0-2-.9-2-2V6c0-1.1.9-2 2-2z",
    "M22 6l-10 7L2 6",
  ],
  neutral: [
    "M23 4v6h-6",
    "M1 20v-6h6",
    "M3.5 9a9 9 0 0 1 14.9-3.4L23 10",
    "M1 14l4.6 4.4A9 9 0 0 0 20.5 15",
  ],
};

/** The event's icon in a tinted circle; decorative, the sentence next to it says what happened. */
export function ActivityIcon({ tone }: { tone: EventTone }) {
  return (
    <span className={`activity-icon ${tone}`}>
      <svg
        aria-hidden="true"
        viewBox="0 0 24 24"
        width="16"
        height="16"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
        strokeLinejoin="round"
      >
        {PATHS[tone].map((d) => (
          <path key={d} d={d} />
        ))}
      </svg>
    </span>
  );
}
