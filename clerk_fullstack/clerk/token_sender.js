// Sends a fresh Clerk session token with the Reflex event that needs it, so a color load is one
// event up and one delta down. Wrapped by token_sender.py; formatted and linted with Biome.
import { useAuth } from "@clerk/react";
import { useEffect, useRef } from "react";

/**
 * A token from Clerk's `getToken`, or why there is none: never rejects, never hangs.
 * @returns {Promise<{token: string | null, error: string | null}>}
 */
async function tokenResult(getToken, options, timeoutMs) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("Timed out waiting for a session token")), timeoutMs);
  });
  try {
    const token = await Promise.race([getToken(options), timeout]);
    return { token: token ?? null, error: null };
  } catch (error) {
    return { token: null, error: String(error?.message ?? error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Renders nothing. Once Clerk is ready, it calls `onLoad` with a token whenever the server's
 * state wants a load (`loadRequest` is not empty) that this socket has not been sent yet, and
 * `onRecheck` with a token once per new `request` id the server sets (a re-check, or a retry
 * past Clerk's token cache when `skipCache`). Ids present at mount were asked before this page.
 */
export function ClerkTokenSender({
  socket,
  loadRequest,
  request,
  skipCache,
  timeoutMs,
  onLoad,
  onRecheck,
}) {
  const { isLoaded, isSignedIn, getToken } = useAuth();
  const ready = Boolean(isLoaded && isSignedIn);
  const latest = useRef({ mounted: false });
  latest.current = { ...latest.current, onLoad, onRecheck, request, getToken };
  const loaded = useRef("");
  const answered = useRef(request);

  useEffect(() => {
    latest.current.mounted = true;
    return () => {
      latest.current.mounted = false;
    };
  }, []);

  useEffect(() => {
    // The socket is known once the page has hydrated: a load sent before would be sent twice.
    const wanted = `${socket}/${loadRequest}`;
    if (!ready || !socket || !loadRequest || loaded.current === wanted) return;
    loaded.current = wanted;
    tokenResult(latest.current.getToken, {}, timeoutMs).then((result) => {
      if (latest.current.mounted) latest.current.onLoad(result);
    });
  }, [ready, socket, loadRequest, timeoutMs]);

  useEffect(() => {
    if (!ready || !request || request === answered.current) return;
    answered.current = request;
    const options = { skipCache: Boolean(skipCache) };
    tokenResult(latest.current.getToken, options, timeoutMs).then((result) => {
      // Only the latest request, while the page is shown: the server drops others anyway.
      if (latest.current.mounted && latest.current.request === request) {
        latest.current.onRecheck(result);
      }
    });
  }, [ready, request, skipCache, timeoutMs]);

  return null;
}
