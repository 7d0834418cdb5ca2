// Where the stand-in sends the browser after signing in or up, following Clerk's precedence:
// a forced URL, then the page's `redirect_url`, then the fallbacks.

// Only same-origin redirect targets are followed; they are returned as app paths.
function safePath(target) {
  if (!target) return null;
  try {
    const url = new URL(target, window.location.href);
    if (url.origin !== window.location.origin) return null;
    return url.pathname + url.search + url.hash;
  } catch {
    return null;
  }
}

export function redirectTarget({ force, fallback, providerFallback }) {
  const fromQuery = new URLSearchParams(window.location.search).get("redirect_url");
  return safePath(force) || safePath(fromQuery) || safePath(fallback) || providerFallback || "/";
}

export function withRedirect(url, redirectUrl) {
  if (!redirectUrl) return url;
  const separator = url.includes("?") ? "&" : "?";
  return `${url}${separator}redirect_url=${encodeURIComponent(redirectUrl)}`;
}
