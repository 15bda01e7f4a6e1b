/** The same calls as React Query options, for `useQuery(sessionQueries.list())` in components. */
import { queryOptions } from "@tanstack/react-query";
import { api } from "./trpc.js";

export const sessionQueries = {
  current: () =>
    queryOptions({
      queryKey: ["session", "current"],
      queryFn: () => api.session.current.query(),
    }),
  list: () =>
    queryOptions({
      queryKey: ["session", "list"],
      queryFn: () => api.session.list.query(),
      // Typed all the way: `data` is a DeviceSession[].
      select: (devices) => devices.filter((device) => !device.isCurrent),
    }),
};
