/** /api/trpc/*: tRPC's node adapter on the app router, with a bounded body and batch. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { nodeHTTPRequestHandler } from "@trpc/server/adapters/node-http";
import { MAX_TRPC_BATCH_SIZE } from "../../shared/api-limits";
import type { AppDependencies } from "../dependencies";
import { appRouter } from "../routers";
import { createContext } from "../trpc/context";
import { MAX_BODY_BYTES, type RequestTarget, toHeaders } from "./request";

export function createTrpcDoor(deps: AppDependencies, reportError: (error: unknown) => void) {
  return async function handleTrpc(
    req: IncomingMessage,
    res: ServerResponse,
    target: RequestTarget,
  ) {
    const resHeaders = new Headers();
    await nodeHTTPRequestHandler({
      req,
      res,
      path: target.pathname.slice("/api/trpc/".length),
      router: appRouter,
      maxBodySize: MAX_BODY_BYTES,
      maxBatchSize: MAX_TRPC_BATCH_SIZE,
      createContext: () => createContext({ deps, headers: toHeaders(req), resHeaders }),
      // Cookies set by procedures (refresh, sign-out, re-authentication) reach the browser here.
      responseMeta: () => ({ headers: resHeaders }),
      onError: ({ error }) => {
        if (error.code === "INTERNAL_SERVER_ERROR") reportError(error);
      },
    });
  };
}
