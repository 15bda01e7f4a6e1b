/** A line icon for the device type: phone, tablet, or a laptop for everything else. */
export function DeviceIcon({ type }: { type: string | null }) {
  return (
    <svg
      className="session-icon"
      viewBox="0 0 24 24"
      width="28"
      height="28"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      {type === "mobile" ? (
        <>
          <rect x="7" y="2.5" width="10" height="19" rx="2" />
          <path d="M11 18.5h2" />
        </>
      ) : type === "tablet" ? (
        <>
          <rect x="4.5" y="2.5" width="15" height="19" rx="2" />
          <path d="M11 18.5h2" />
        </>
      ) : (
        <>
          <rect x="4" y="4.5" width="16" height="11" rx="1.5" />
          <path d="M2 19.5h20" />
        </>
      )}
    </svg>
  );
}
