import { useSignedIn } from "../../lib/use-signed-in";
import { ChangeEmailForm } from "./change-email-form";
import { ChangePasswordForm } from "./change-password-form";
import { DeleteAccountSection } from "./delete-account-section";

/** Sensitive account changes; each asks for the password when the session is not fresh. */
export function AccountPage() {
  const { user } = useSignedIn();
  return (
    <>
      <h1>Account</h1>
      <ChangePasswordForm />
      <ChangeEmailForm currentEmail={user.email} />
      <DeleteAccountSection />
    </>
  );
}
