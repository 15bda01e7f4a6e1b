import type { ReactNode } from "react";

interface AlertProps {
  tone: "error" | "success" | "info";
  children: ReactNode;
}

/** A message in the flow of the page; errors are announced at once, others politely. */
export function Alert({ tone, children }: AlertProps) {
  return (
    <div className={`alert alert-${tone}`} role={tone === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}
