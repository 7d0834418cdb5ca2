// ClerkProvider: the session, the app's auth URLs and a banner saying sign-in is local.

import { useCallback, useMemo } from "react";
import { LocalClerkContext, useLocalClerk } from "./context.js";
import { useSession } from "./session.js";

export const LOCAL_BANNER_TEXT = "Local sign-in: no Clerk account configured";

const bannerStyle = {
  background: "#fff4d6",
  borderBottom: "1px solid #e8c766",
  color: "#5c4400",
  font: "500 13px/1.4 system-ui, sans-serif",
  padding: "6px 12px",
  textAlign: "center",
};

// Navigating with the app's router keeps the page (and Reflex's socket) alive.
function useNavigate(routerPush, routerReplace) {
  return useCallback(
    (to, { replace = false } = {}) => {
      const push = replace ? routerReplace : routerPush;
      if (push) push(to);
      else if (replace) window.location.replace(to);
      else window.location.assign(to);
    },
    [routerPush, routerReplace],
  );
}

export function ClerkProvider({
  children,
  publishableKey,
  signInUrl = "/sign-in",
  signUpUrl = "/sign-up",
  afterSignOutUrl = "/",
  signInFallbackRedirectUrl = "/",
  signUpFallbackRedirectUrl = "/",
  routerPush,
  routerReplace,
}) {
  const navigate = useNavigate(routerPush, routerReplace);
  const session = useSession({ navigate, afterSignOutUrl });
  const value = useMemo(
    () => ({
      ...session,
      publishableKey,
      navigate,
      urls: {
        signInUrl,
        signUpUrl,
        afterSignOutUrl,
        signInFallbackRedirectUrl,
        signUpFallbackRedirectUrl,
      },
    }),
    [
      session,
      publishableKey,
      navigate,
      signInUrl,
      signUpUrl,
      afterSignOutUrl,
      signInFallbackRedirectUrl,
      signUpFallbackRedirectUrl,
    ],
  );
  return (
    <LocalClerkContext.Provider value={value}>
      <div role="status" id="local-clerk-banner" style={bannerStyle}>
        {LOCAL_BANNER_TEXT}
      </div>
      {children}
    </LocalClerkContext.Provider>
  );
}

export function Show({ when, fallback = null, children }) {
  const { status, user } = useLocalClerk();
  if (status !== "ready") return null;
  let visible;
  if (when === "signed-in") visible = !!user;
  else if (when === "signed-out") visible = !user;
  else if (typeof when === "function") visible = !!user && !!when(() => false);
  else visible = false; // Roles, permissions and plans: the stand-in grants none.
  return visible ? children : fallback;
}

export function ClerkLoading({ children }) {
  return useLocalClerk().status === "loading" ? children : null;
}

export function ClerkLoaded({ children }) {
  return useLocalClerk().status === "ready" ? children : null;
}

export function ClerkFailed({ children }) {
  return useLocalClerk().status === "failed" ? children : null;
}

export function ClerkDegraded() {
  return null; // The stand-in has no partial outages.
}
