import { createBrowserRouter } from "react-router";
import { AccountPage } from "../features/account/account-page";
import { ActivityPage } from "../features/activity/activity-page";
import { SignInPage } from "../features/auth/sign-in-page";
import { SignUpPage } from "../features/auth/sign-up-page";
import { HomePage } from "../features/home/home-page";
import { SessionsPage } from "../features/sessions/sessions-page";
import { NotFoundPage } from "./not-found-page";
import { SignedInLayout } from "./signed-in-layout";

export function createAppRouter() {
  return createBrowserRouter([
    {
      element: <SignedInLayout />,
      children: [
        { index: true, element: <HomePage /> },
        { path: "sessions", element: <SessionsPage /> },
        { path: "activity", element: <ActivityPage /> },
        { path: "account", element: <AccountPage /> },
      ],
    },
    { path: "sign-in", element: <SignInPage /> },
    { path: "sign-up", element: <SignUpPage /> },
    { path: "*", element: <NotFoundPage /> },
  ]);
}
