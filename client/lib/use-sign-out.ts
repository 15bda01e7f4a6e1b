import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { authClient } from "./auth-client";
import { signInPath } from "./return-path";

/** Signs this device out through Better Auth, then forgets every cached answer. */
export function useSignOut() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [state, setState] = useState<"idle" | "pending" | "failed">("idle");

  const signOut = async () => {
    setState("pending");
    const { error } = await authClient.signOut();
    if (error) {
      setState("failed");
      return;
    }
    await navigate(signInPath("/", "signed-out"), { replace: true });
    queryClient.removeQueries();
  };

  return { signOut, isPending: state === "pending", failed: state === "failed" };
}
