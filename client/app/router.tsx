import { type ComponentType, lazy, Suspense } from "react";
import { Route, Routes } from "react-router";
import { SignInPage } from "../features/auth/sign-in-page";
import { LoadingPage } from "./loading-page";

/**
 * A page loaded when its route is first shown (React.lazy), from a module that names its
 * export (no default exports here).
 */
function lazyPage<Module>(
  load: () => Promise<Module>,
  pick: (module: Module) => ComponentType,
): ComponentType {
  return lazy(async () => ({ default: pick(await load()) }));
}

// Sign-in is the first page of every signed-out visit: it ships in the entry chunk with React,
// the router and Better Auth's client. Everything else loads on demand, and the signed-in area
// and the public pages that call the API bring tRPC and React Query with them (ADR 0025).
const SignUpPage = lazyPage(
  () => import("../features/auth/sign-up-page"),
  (m) => m.SignUpPage,
);
const NotFoundPage = lazyPage(
  () => import("./not-found-page"),
  (m) => m.NotFoundPage,
);
const SignedInApp = lazyPage(
  () => import("./signed-in-app"),
  (m) => m.SignedInApp,
);
const PublicApp = lazyPage(
  () => import("./public-app"),
  (m) => m.PublicApp,
);
const ForgotPasswordPage = lazyPage(
  () => import("../features/mail-links/forgot-password-page"),
  (m) => m.ForgotPasswordPage,
);
const ResetPasswordPage = lazyPage(
  () => import("../features/mail-links/reset-password-page"),
  (m) => m.ResetPasswordPage,
);
const VerifyEmailPage = lazyPage(
  () => import("../features/mail-links/verify-email-page"),
  (m) => m.VerifyEmailPage,
);
const ConfirmEmailPage = lazyPage(
  () => import("../features/mail-links/confirm-email-page"),
  (m) => m.ConfirmEmailPage,
);
const UndoEmailChangePage = lazyPage(
  () => import("../features/mail-links/undo-email-change-page"),
  (m) => m.UndoEmailChangePage,
);
const NotMePage = lazyPage(
  () => import("../features/mail-links/not-me-page"),
  (m) => m.NotMePage,
);
const DevMailboxPage = lazyPage(
  () => import("../features/dev-mailbox/dev-mailbox-page"),
  (m) => m.DevMailboxPage,
);
const HomePage = lazyPage(
  () => import("../features/home/home-page"),
  (m) => m.HomePage,
);
const SessionsPage = lazyPage(
  () => import("../features/sessions/sessions-page"),
  (m) => m.SessionsPage,
);
const ActivityPage = lazyPage(
  () => import("../features/activity/activity-page"),
  (m) => m.ActivityPage,
);
const AccountPage = lazyPage(
  () => import("../features/account/account-page"),
  (m) => m.AccountPage,
);

export function AppRoutes() {
  return (
    <Suspense fallback={<LoadingPage />}>
      <Routes>
        <Route element={<SignedInApp />}>
          <Route index element={<HomePage />} />
          <Route path="sessions" element={<SessionsPage />} />
          <Route path="activity" element={<ActivityPage />} />
          <Route path="account" element={<AccountPage />} />
        </Route>
        {/* The pages links in mails open (server/mail/messages.ts), and the dev mailbox. */}
        <Route element={<PublicApp />}>
          <Route path="forgot-password" element={<ForgotPasswordPage />} />
          <Route path="reset-password" element={<ResetPasswordPage />} />
          <Route path="verify-email" element={<VerifyEmailPage />} />
          <Route path="confirm-email" element={<ConfirmEmailPage />} />
          <Route path="undo-email-change" element={<UndoEmailChangePage />} />
          <Route path="not-me" element={<NotMePage />} />
          <Route path="dev/mailbox" element={<DevMailboxPage />} />
        </Route>
        <Route path="sign-in" element={<SignInPage />} />
        <Route path="sign-up" element={<SignUpPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Routes>
    </Suspense>
  );
}
