// The provider's context and the hooks `@clerk/react` exports, read from it.

import { createContext, useContext } from "react";

export const LocalClerkContext = createContext(null);

export function useLocalClerk() {
  const context = useContext(LocalClerkContext);
  if (!context) throw new Error("Clerk components must be used inside <ClerkProvider>");
  return context;
}

export function useAuth() {
  const clerk = useLocalClerk();
  const loaded = clerk.status === "ready";
  return {
    isLoaded: loaded,
    isSignedIn: loaded ? !!clerk.user : undefined,
    userId: loaded ? (clerk.user?.id ?? null) : undefined,
    sessionId: loaded ? clerk.sessionId : undefined,
    orgId: null,
    orgRole: null,
    orgSlug: null,
    actor: null,
    has: () => false,
    getToken: clerk.getToken,
    signOut: clerk.signOut,
  };
}

export function useUser() {
  const clerk = useLocalClerk();
  const loaded = clerk.status === "ready";
  return {
    isLoaded: loaded,
    isSignedIn: loaded ? !!clerk.user : undefined,
    user: loaded ? clerk.user : undefined,
  };
}

export function useClerk() {
  const clerk = useLocalClerk();
  return {
    loaded: clerk.status === "ready",
    user: clerk.user,
    signOut: clerk.signOut,
    redirectToSignIn: () => clerk.navigate(clerk.urls.signInUrl),
    redirectToSignUp: () => clerk.navigate(clerk.urls.signUpUrl),
  };
}
