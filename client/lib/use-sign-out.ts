import { useState } from "react";
import { authClient } from "./auth-client";
import { useLeaveToSignIn } from "./leave-to-sign-in";

/** Signs this device out through Better Auth, then forgets every cached answer. */
export function useSignOut() {
  const leaveToSignIn = useLeaveToSignIn();
  const [state, setState] = useState<"idle" | "pending" | "failed">("idle");

  const signOut = async () => {
    setState("pending");
    const { error } = await authClient.signOut();
    if (error) {
      setState("failed");
      return;
    }
    await leaveToSignIn("signed-out");
  };

  return { signOut, isPending: state === "pending", failed: state === "failed" };
}
