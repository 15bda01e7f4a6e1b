/** A small warning triangle, decorative: the text next to it says what is wrong. */
export function WarningIcon() {
  return (
    <svg
      className="inline-icon"
      viewBox="0 0 16 16"
      width="12"
      height="12"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.6"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d="M8 1.8 15 14H1z" />
      <path d="M8 6.3v3.4M8 11.8v.1" />
    </svg>
  );
}
