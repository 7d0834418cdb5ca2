// The local Clerk stand-in for the browser: the names `@clerk/react` exports, backed by the
// backend's `/local-clerk` endpoints. In local mode every Clerk wrapper imports from this module
// instead of Clerk's SDK, so pages are the same in both modes.

export { SignInButton, SignOutButton, SignUpButton } from "./buttons.jsx";
export { useAuth, useClerk, useUser } from "./context.js";
export { SignIn, SignUp } from "./forms.jsx";
export {
  ClerkDegraded,
  ClerkFailed,
  ClerkLoaded,
  ClerkLoading,
  ClerkProvider,
  LOCAL_BANNER_TEXT,
  Show,
} from "./provider.jsx";
export { UserButton } from "./user_button.jsx";
