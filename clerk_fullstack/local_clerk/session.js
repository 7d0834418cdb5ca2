// The session hook behind ClerkProvider: this browser's signed-in state, kept in step with the
// backend, with the actions (session_actions.js) that change it.

import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { call, readClient, STORAGE_KEY, setSessionCookie, toUser, writeClient } from "./api.js";
import { useAccountActions, useGetToken, useSignInAndUp } from "./session_actions.js";

const RETRY_DELAYS_MS = [500, 1000, 2000, 4000];
const RECOVER_INTERVAL_MS = 5000;

// The actions read the client through a ref so they keep one identity across renders.
function useSessionState() {
  const [state, setState] = useState({ status: "loading", user: null, sessionId: null });
  const clientRef = useRef(null);
  const becomeSignedOut = useCallback(() => {
    clientRef.current = null;
    writeClient(null);
    setSessionCookie(null);
    setState({ status: "ready", user: null, sessionId: null });
  }, []);
  const becomeSignedIn = useCallback((data) => {
    const client = { clientToken: data.client_token, sessionId: data.session_id };
    clientRef.current = client;
    writeClient(client);
    setState({ status: "ready", user: toUser(data.user), sessionId: data.session_id });
  }, []);
  return { state, setState, clientRef, becomeSignedIn, becomeSignedOut };
}

// Load the session this browser holds; retry while the backend is (re)starting, and follow
// other tabs that sign in or out.
function useSessionLoader({ setState, clientRef, becomeSignedOut }) {
  const load = useCallback(async () => {
    const client = readClient();
    for (let attempt = 0; ; attempt++) {
      try {
        const data = await call("GET", "/v1/client", { token: client?.clientToken });
        if (!data.user) {
          becomeSignedOut();
          return true;
        }
        clientRef.current = client;
        setState({ status: "ready", user: toUser(data.user), sessionId: data.session_id });
        return true;
      } catch {
        if (attempt >= RETRY_DELAYS_MS.length) {
          setState((previous) => ({ ...previous, status: "failed" }));
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
      }
    }
  }, [setState, clientRef, becomeSignedOut]);

  useEffect(() => {
    let stopped = false;
    let timer = null;
    const start = async () => {
      const loaded = await load();
      if (!loaded && !stopped) timer = setTimeout(start, RECOVER_INTERVAL_MS);
    };
    start();
    const onStorage = (event) => {
      if (event.key === STORAGE_KEY) load();
    };
    window.addEventListener("storage", onStorage);
    return () => {
      stopped = true;
      clearTimeout(timer);
      window.removeEventListener("storage", onStorage);
    };
  }, [load]);
}

export function useSession({ navigate, afterSignOutUrl }) {
  const session = useSessionState();
  useSessionLoader(session);
  const getToken = useGetToken(session);
  const { signUp, signIn } = useSignInAndUp(session);
  const { signOut, updateNames, deleteAccount } = useAccountActions(
    session,
    navigate,
    afterSignOutUrl,
  );
  const { state } = session;
  return useMemo(
    () => ({ ...state, getToken, signUp, signIn, signOut, updateNames, deleteAccount }),
    [state, getToken, signUp, signIn, signOut, updateNames, deleteAccount],
  );
}
