import { createContext, useContext } from "react";
import type { SignInNotice } from "../lib/return-path";

/** Sends the user to sign-in because their session ended; the first notice given wins. */
export type OnSessionEnded = (notice: SignInNotice) => void;

export const SessionEndedContext = createContext<OnSessionEnded | null>(null);

export function useSessionEnded(): OnSessionEnded {
  const onSessionEnded = useContext(SessionEndedContext);
  if (!onSessionEnded) throw new Error("useSessionEnded needs a SessionEndedContext provider");
  return onSessionEnded;
}
