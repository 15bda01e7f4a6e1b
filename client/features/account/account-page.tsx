import { useSignedIn } from "../../lib/use-signed-in";
import { ChangeEmailForm } from "./change-email-form";
import { ChangeNameForm } from "./change-name-form";
import { ChangePasswordForm } from "./change-password-form";
import { DeleteAccountSection } from "./delete-account-section";

/**
 * The account: the display name, and sensitive changes, each of which asks for the password when
 * the session is not fresh.
 */
export function AccountPage() {
  const { user } = useSignedIn();
  return (
    <>
      <h1>Account</h1>
      <ChangeNameForm currentName={user.name} />
      <ChangePasswordForm />
      <ChangeEmailForm currentEmail={user.email} emailVerification={user.emailVerification} />
      <DeleteAccountSection />
    </>
  );
}
