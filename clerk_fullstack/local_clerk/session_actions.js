// The session's actions: tokens, signing in, up and out, and editing or deleting the account.
// Each takes the parts of useSessionState it needs and keeps one identity across renders.

import { useCallback } from "react";
import { call, LocalClerkAPIError, setSessionCookie, toUser } from "./api.js";

// A session the backend no longer knows (401) means this browser is signed out.
export function useGetToken({ clientRef, becomeSignedOut }) {
  return useCallback(async () => {
    const client = clientRef.current;
    if (!client) return null;
    try {
      const data = await call("POST", `/v1/client/sessions/${client.sessionId}/tokens`, {
        token: client.clientToken,
      });
      setSessionCookie(data.jwt);
      return data.jwt;
    } catch (error) {
      if (error instanceof LocalClerkAPIError && error.status === 401) {
        becomeSignedOut();
        return null;
      }
      throw error;
    }
  }, [clientRef, becomeSignedOut]);
}

export function useSignInAndUp({ becomeSignedIn }) {
  const signUp = useCallback(
    async (form) => becomeSignedIn(await call("POST", "/v1/client/sign_ups", { body: form })),
    [becomeSignedIn],
  );
  const signIn = useCallback(
    async (form) => becomeSignedIn(await call("POST", "/v1/client/sign_ins", { body: form })),
    [becomeSignedIn],
  );
  return { signUp, signIn };
}

export function useAccountActions(
  { setState, clientRef, becomeSignedOut },
  navigate,
  afterSignOutUrl,
) {
  const signOut = useCallback(
    async (options = {}) => {
      const client = clientRef.current;
      if (client) {
        try {
          await call("POST", `/v1/client/sessions/${client.sessionId}/end`, {
            token: client.clientToken,
          });
        } catch (error) {
          // Signing out locally must not depend on the backend agreeing.
          if (!(error instanceof LocalClerkAPIError)) throw error;
        }
      }
      becomeSignedOut();
      navigate(options.redirectUrl || afterSignOutUrl);
    },
    [clientRef, becomeSignedOut, navigate, afterSignOutUrl],
  );
  const updateNames = useCallback(
    async (form) => {
      const client = clientRef.current;
      const data = await call("PATCH", "/v1/me", { token: client?.clientToken, body: form });
      setState((previous) => ({ ...previous, user: toUser(data.user) }));
    },
    [setState, clientRef],
  );
  const deleteAccount = useCallback(async () => {
    const client = clientRef.current;
    await call("DELETE", "/v1/me", { token: client?.clientToken });
    becomeSignedOut();
    navigate(afterSignOutUrl);
  }, [clientRef, becomeSignedOut, navigate, afterSignOutUrl]);
  return { signOut, updateNames, deleteAccount };
}
