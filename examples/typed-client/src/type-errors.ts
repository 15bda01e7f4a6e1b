/**
 * Mistakes the compiler must refuse. Each `@ts-expect-error` fails the type check when its line
 * compiles, so this file proves the API's types are exact, not `any`.
 */
import type { RouterInputs, RouterOutputs } from "./api/app-router.js";
import { api, reasonOf } from "./trpc.js";

export async function mistakes(device: RouterOutputs["session"]["list"][number]) {
  // @ts-expect-error: a session id is a string.
  await api.session.revoke.mutate({ id: 42 });
  // @ts-expect-error: revoke needs the id of the session to end.
  await api.session.revoke.mutate();
  // @ts-expect-error: no such procedure (session.list).
  await api.session.lst.query();
  // @ts-expect-error: no such router (session).
  await api.sessions.list.query();
  // @ts-expect-error: a query is not a mutation.
  await api.session.list.mutate();
  // @ts-expect-error: unknown input field (the field is `newEmail`).
  await api.account.changeEmail.mutate({ email: "new@example.com" });
  // @ts-expect-error: limit is a number.
  await api.session.activity.query({ limit: "50" });

  const sessions = await api.session.list.query();
  // @ts-expect-error: a device session has `lastActiveAt`, not `lastActive`.
  console.log(sessions[0]?.lastActive);
  // @ts-expect-error: current is null when signed out.
  console.log((await api.session.current.query()).user.email);
  // @ts-expect-error: dates arrive as ISO strings (no transformer), not Date.
  device.createdAt.getTime();

  // @ts-expect-error: not one of the server's reason codes.
  if (reasonOf(new Error()) === "SESSION_GONE") return;

  // @ts-expect-error: the input type says the same as the call.
  const input: RouterInputs["session"]["revoke"] = {};
  return input;
}
