import { Alert } from "../../components/alert";
import { errorMessage } from "../../lib/errors";
import { trpc } from "../../lib/trpc";
import { ActivityItem } from "./activity-item";
import { sessionDevices } from "./describe-event";

const PAGE_SIZE = 20;

/** The account's session events, newest first: sign-ins, sign-outs, and why sessions ended. */
export function ActivityPage() {
  const activity = trpc.session.activity.useInfiniteQuery(
    { limit: PAGE_SIZE },
    // A log: every visit shows what happened since the last one, even a few seconds later.
    { getNextPageParam: (last) => last.nextCursor, refetchOnMount: "always" },
  );
  const events = activity.data?.pages.flatMap((page) => page.events) ?? [];
  const devices = sessionDevices(events);
  const failure = errorMessage(activity.error);

  return (
    <>
      <div className="page-header">
        <h1>Recent activity</h1>
        <button
          type="button"
          className="button secondary"
          onClick={() => void activity.refetch()}
          disabled={activity.isFetching}
        >
          {activity.isRefetching && !activity.isFetchingNextPage ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      <p className="muted">
        Sign-ins, sign-outs, why sessions ended, and changes to your password or address, newest
        first. If you don’t recognise something, sign that device out on the Sessions page and
        change your password.
      </p>
      {activity.isPending && (
        <p className="muted" aria-busy="true">
          Loading activity…
        </p>
      )}
      {activity.isError && !activity.data && (
        <Alert tone="error">{failure ?? "Could not load your activity."}</Alert>
      )}
      {activity.data && events.length === 0 && (
        <div className="card empty-state">
          <p>No activity yet.</p>
          <p className="muted small">Sign-ins and sign-outs of your account will show up here.</p>
        </div>
      )}
      {events.length > 0 && (
        <ol
          className="card activity-list"
          aria-label="Account activity, newest first"
          aria-busy={activity.isFetchingNextPage}
        >
          {events.map((event) => (
            <ActivityItem
              key={event.id}
              event={event}
              endedDevice={devices.get(event.sessionId) ?? null}
            />
          ))}
        </ol>
      )}
      {activity.isFetchNextPageError && failure && <Alert tone="error">{failure}</Alert>}
      {activity.hasNextPage ? (
        <div className="load-more">
          <button
            type="button"
            className="button secondary"
            onClick={() => void activity.fetchNextPage()}
            disabled={activity.isFetchingNextPage}
          >
            {activity.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        </div>
      ) : (
        events.length > PAGE_SIZE && <p className="muted small center">No older activity.</p>
      )}
    </>
  );
}
