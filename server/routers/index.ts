import { router } from "../trpc/init";
import { accountRouter } from "./account";
import { adminRouter } from "./admin";
import { devMailboxRouter } from "./dev-mailbox";
import { linksRouter } from "./links";
import { sessionRouter } from "./session";

export const appRouter = router({
  session: sessionRouter,
  account: accountRouter,
  admin: adminRouter,
  links: linksRouter,
  devMailbox: devMailboxRouter,
});

/** The only thing the client imports from the server, as a type. */
export type AppRouter = typeof appRouter;
