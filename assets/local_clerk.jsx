// The local Clerk stand-in for the browser: the names `@clerk/react` exports, backed by the
// backend's `/local-clerk` endpoints (clerk_fullstack/local_clerk/routes.py).
//
// The Python wrappers in clerk_fullstack/clerk/ import from this module in local mode, so pages
// are the same in both modes. The browser keeps its client token in localStorage and asks for
// a fresh 60-second session token on every getToken(), as Clerk's SDK does.

import {
  Children,
  cloneElement,
  createContext,
  isValidElement,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from "react";
import env from "$/env.json";
import { getBackendURL } from "$/utils/state";

export const LOCAL_BANNER_TEXT = "Local sign-in: no Clerk account configured";
const STORAGE_KEY = "__local_clerk_client";
const SESSION_COOKIE = "__session";
const RETRY_DELAYS_MS = [500, 1000, 2000, 4000];
const RECOVER_INTERVAL_MS = 5000;

// ---------------------------------------------------------------------------------------------
// Talking to the stand-in

function apiBase() {
  // The backend's origin (and path prefix) as Reflex computes it for its own /ping endpoint.
  return getBackendURL(env.PING).href.replace(/\/ping\/?$/, "") + "/local-clerk";
}

class LocalClerkAPIError extends Error {
  constructor(message, status, reason) {
    super(message);
    this.status = status;
    this.reason = reason;
  }
}

async function call(method, path, { token, body } = {}) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(apiBase() + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new LocalClerkAPIError(
      data?.message || `The local sign-in service answered ${response.status}`,
      response.status,
      data?.reason,
    );
  }
  return data;
}

function readClient() {
  try {
    const client = JSON.parse(window.localStorage.getItem(STORAGE_KEY) || "null");
    return client?.clientToken && client?.sessionId ? client : null;
  } catch {
    return null;
  }
}

function writeClient(client) {
  if (client) window.localStorage.setItem(STORAGE_KEY, JSON.stringify(client));
  else window.localStorage.removeItem(STORAGE_KEY);
}

function setSessionCookie(jwt) {
  // Clerk keeps the latest session token in the `__session` cookie for same-origin requests.
  document.cookie = jwt
    ? `${SESSION_COOKIE}=${jwt}; path=/; SameSite=Lax`
    : `${SESSION_COOKIE}=; path=/; SameSite=Lax; max-age=0`;
}

function toUser(data) {
  if (!data) return null;
  const fullName = [data.first_name, data.last_name].filter(Boolean).join(" ") || null;
  const email = { id: `${data.id}_email`, emailAddress: data.email_address };
  return {
    id: data.id,
    firstName: data.first_name,
    lastName: data.last_name,
    fullName,
    primaryEmailAddress: email,
    emailAddresses: [email],
  };
}

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

function redirectTarget({ force, fallback, providerFallback }) {
  const fromQuery = new URLSearchParams(window.location.search).get("redirect_url");
  return safePath(force) || safePath(fromQuery) || safePath(fallback) || providerFallback || "/";
}

function withRedirect(url, redirectUrl) {
  if (!redirectUrl) return url;
  const separator = url.includes("?") ? "&" : "?";
  return `${url}${separator}redirect_url=${encodeURIComponent(redirectUrl)}`;
}

// ---------------------------------------------------------------------------------------------
// The provider and its state

const LocalClerkContext = createContext(null);

function useLocalClerk() {
  const context = useContext(LocalClerkContext);
  if (!context) throw new Error("Clerk components must be used inside <ClerkProvider>");
  return context;
}

const bannerStyle = {
  background: "#fff4d6",
  borderBottom: "1px solid #e8c766",
  color: "#5c4400",
  font: "500 13px/1.4 system-ui, sans-serif",
  padding: "6px 12px",
  textAlign: "center",
};

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
  const [state, setState] = useState({ status: "loading", user: null, sessionId: null });
  const clientRef = useRef(null);

  const navigate = useCallback(
    (to, { replace = false } = {}) => {
      const push = replace ? routerReplace : routerPush;
      if (push) push(to);
      else if (replace) window.location.replace(to);
      else window.location.assign(to);
    },
    [routerPush, routerReplace],
  );

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

  // Load the session this browser holds; retry while the backend is (re)starting.
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
      } catch (error) {
        if (attempt >= RETRY_DELAYS_MS.length) {
          setState((previous) => ({ ...previous, status: "failed" }));
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
      }
    }
  }, [becomeSignedOut]);

  useEffect(() => {
    let stopped = false;
    let timer = null;
    const start = async () => {
      const loaded = await load();
      if (!loaded && !stopped) timer = setTimeout(start, RECOVER_INTERVAL_MS);
    };
    start();
    // Another tab signed in or out: follow it.
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

  const getToken = useCallback(async () => {
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
  }, [becomeSignedOut]);

  const signUp = useCallback(
    async (form) => becomeSignedIn(await call("POST", "/v1/client/sign_ups", { body: form })),
    [becomeSignedIn],
  );

  const signIn = useCallback(
    async (form) => becomeSignedIn(await call("POST", "/v1/client/sign_ins", { body: form })),
    [becomeSignedIn],
  );

  const signOut = useCallback(
    async (options = {}) => {
      const client = clientRef.current;
      if (client) {
        try {
          await call("POST", `/v1/client/sessions/${client.sessionId}/end`, {
            token: client.clientToken,
          });
        } catch (error) {
          if (!(error instanceof LocalClerkAPIError)) throw error;
        }
      }
      becomeSignedOut();
      navigate(options.redirectUrl || afterSignOutUrl);
    },
    [becomeSignedOut, navigate, afterSignOutUrl],
  );

  const updateNames = useCallback(async (form) => {
    const client = clientRef.current;
    const data = await call("PATCH", "/v1/me", { token: client?.clientToken, body: form });
    setState((previous) => ({ ...previous, user: toUser(data.user) }));
  }, []);

  const deleteAccount = useCallback(async () => {
    const client = clientRef.current;
    await call("DELETE", "/v1/me", { token: client?.clientToken });
    becomeSignedOut();
    navigate(afterSignOutUrl);
  }, [becomeSignedOut, navigate, afterSignOutUrl]);

  const value = useMemo(
    () => ({
      ...state,
      publishableKey,
      getToken,
      signUp,
      signIn,
      signOut,
      updateNames,
      deleteAccount,
      navigate,
      urls: { signInUrl, signUpUrl, afterSignOutUrl, signInFallbackRedirectUrl,
              signUpFallbackRedirectUrl },
    }),
    [state, publishableKey, getToken, signUp, signIn, signOut, updateNames, deleteAccount,
     navigate, signInUrl, signUpUrl, afterSignOutUrl, signInFallbackRedirectUrl,
     signUpFallbackRedirectUrl],
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

// ---------------------------------------------------------------------------------------------
// Hooks

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

// ---------------------------------------------------------------------------------------------
// Control components

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

// ---------------------------------------------------------------------------------------------
// Buttons: each wraps its one child (or a plain button) and gives it the click behaviour.

function withClick(children, defaultLabel, onClick, props = {}) {
  const child = Children.count(children) === 1 ? Children.only(children) : null;
  if (isValidElement(child)) {
    return cloneElement(child, {
      onClick: (event) => {
        child.props.onClick?.(event);
        onClick(event);
      },
    });
  }
  return (
    <button type="button" onClick={onClick} {...props}>
      {children || defaultLabel}
    </button>
  );
}

function Modal({ onClose, children }) {
  return (
    <div
      role="dialog"
      aria-modal="true"
      onClick={(event) => event.target === event.currentTarget && onClose()}
      style={{ position: "fixed", inset: 0, background: "rgba(0,0,0,0.4)", display: "grid",
               placeItems: "center", zIndex: 1000 }}
    >
      {children}
    </div>
  );
}

function AuthButton({ children, kind, mode, forceRedirectUrl, fallbackRedirectUrl }) {
  const clerk = useLocalClerk();
  const [open, setOpen] = useState(false);
  const url = kind === "sign-in" ? clerk.urls.signInUrl : clerk.urls.signUpUrl;
  const onClick = () => {
    if (mode === "modal") setOpen(true);
    else clerk.navigate(withRedirect(url, forceRedirectUrl || window.location.href));
  };
  const Form = kind === "sign-in" ? SignIn : SignUp;
  return (
    <>
      {withClick(children, kind === "sign-in" ? "Sign in" : "Sign up", onClick)}
      {open && (
        <Modal onClose={() => setOpen(false)}>
          <Form
            forceRedirectUrl={forceRedirectUrl}
            fallbackRedirectUrl={fallbackRedirectUrl || window.location.href}
            onDone={() => setOpen(false)}
          />
        </Modal>
      )}
    </>
  );
}

export function SignInButton(props) {
  return <AuthButton kind="sign-in" {...props} />;
}

export function SignUpButton(props) {
  return <AuthButton kind="sign-up" {...props} />;
}

export function SignOutButton({ children, redirectUrl }) {
  const { signOut } = useLocalClerk();
  return withClick(children, "Sign out", () => signOut({ redirectUrl }));
}

// ---------------------------------------------------------------------------------------------
// Forms

const cardStyle = {
  background: "white",
  border: "1px solid #ddd",
  borderRadius: 12,
  boxShadow: "0 4px 24px rgba(0,0,0,0.08)",
  color: "#222",
  display: "flex",
  flexDirection: "column",
  font: "14px/1.5 system-ui, sans-serif",
  gap: 12,
  padding: 28,
  width: "min(380px, 92vw)",
};
const inputStyle = { border: "1px solid #ccc", borderRadius: 6, font: "inherit", padding: "8px 10px" };
const primaryStyle = { background: "#2f2f8f", border: 0, borderRadius: 6, color: "white",
                       cursor: "pointer", font: "600 14px system-ui, sans-serif", padding: "9px" };
const errorStyle = { color: "#b00020", margin: 0 };
const headingStyle = { font: "600 20px/1.3 system-ui, sans-serif", margin: 0 };
const linkStyle = { color: "#2f2f8f", textDecoration: "underline" };

// A link that moves within the app without reloading the page.
function AppLink({ to, children }) {
  const clerk = useLocalClerk();
  const onClick = (event) => {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    clerk.navigate(to);
  };
  return (
    <a href={to} onClick={onClick} style={linkStyle}>
      {children}
    </a>
  );
}

function Field({ label, name, type = "text", value, onChange, required }) {
  return (
    <label style={{ display: "flex", flexDirection: "column", gap: 4 }}>
      <span>{label}</span>
      <input
        name={name}
        type={type}
        value={value}
        required={required}
        onChange={(event) => onChange(event.target.value)}
        style={inputStyle}
      />
    </label>
  );
}

function useSubmit(action) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const submit = async (event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught.message || String(caught));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}

// The page's `redirect_url`, read after mounting so server and client render alike.
function useRedirectParam() {
  const [redirect, setRedirect] = useState(null);
  useEffect(() => {
    setRedirect(new URLSearchParams(window.location.search).get("redirect_url"));
  }, []);
  return redirect;
}

export function SignIn({ forceRedirectUrl, fallbackRedirectUrl, signUpUrl, onDone }) {
  const clerk = useLocalClerk();
  const [email, setEmail] = useState("");
  const { busy, error, submit } = useSubmit(async () => {
    await clerk.signIn({ email_address: email });
    onDone?.();
    clerk.navigate(redirectTarget({ force: forceRedirectUrl, fallback: fallbackRedirectUrl,
      providerFallback: clerk.urls.signInFallbackRedirectUrl }));
  });
  const redirect = useRedirectParam();
  return (
    <form onSubmit={submit} style={cardStyle} id="local-clerk-sign-in" aria-label="Sign in">
      <h2 style={headingStyle}>Sign in</h2>
      <p style={{ margin: 0, color: "#555" }}>{LOCAL_BANNER_TEXT}. No password is needed.</p>
      <Field label="Email address" name="email_address" type="email" value={email}
             onChange={setEmail} required />
      {error && <p role="alert" style={errorStyle}>{error}</p>}
      <button type="submit" disabled={busy} style={primaryStyle}>Continue</button>
      <p style={{ margin: 0 }}>
        Don&apos;t have an account?{" "}
        <AppLink to={withRedirect(signUpUrl || clerk.urls.signUpUrl, redirect)}>Sign up</AppLink>
      </p>
    </form>
  );
}

export function SignUp({ forceRedirectUrl, fallbackRedirectUrl, signInUrl, onDone }) {
  const clerk = useLocalClerk();
  const [email, setEmail] = useState("");
  const [firstName, setFirstName] = useState("");
  const [lastName, setLastName] = useState("");
  const { busy, error, submit } = useSubmit(async () => {
    await clerk.signUp({ email_address: email, first_name: firstName, last_name: lastName });
    onDone?.();
    clerk.navigate(redirectTarget({ force: forceRedirectUrl, fallback: fallbackRedirectUrl,
      providerFallback: clerk.urls.signUpFallbackRedirectUrl }));
  });
  const redirect = useRedirectParam();
  return (
    <form onSubmit={submit} style={cardStyle} id="local-clerk-sign-up" aria-label="Sign up">
      <h2 style={headingStyle}>Create your account</h2>
      <p style={{ margin: 0, color: "#555" }}>{LOCAL_BANNER_TEXT}. No password is needed.</p>
      <Field label="Email address" name="email_address" type="email" value={email}
             onChange={setEmail} required />
      <Field label="First name" name="first_name" value={firstName} onChange={setFirstName} />
      <Field label="Last name" name="last_name" value={lastName} onChange={setLastName} />
      {error && <p role="alert" style={errorStyle}>{error}</p>}
      <button type="submit" disabled={busy} style={primaryStyle}>Continue</button>
      <p style={{ margin: 0 }}>
        Already have an account?{" "}
        <AppLink to={withRedirect(signInUrl || clerk.urls.signInUrl, redirect)}>Sign in</AppLink>
      </p>
    </form>
  );
}

// ---------------------------------------------------------------------------------------------
// The user button: avatar, then a menu to edit the name, delete the account, or sign out.

const menuStyle = { ...cardStyle, gap: 8, padding: 16, position: "absolute", right: 0,
                    top: "calc(100% + 8px)", width: 280, zIndex: 1000 };
const menuItemStyle = { background: "none", border: 0, borderRadius: 6, cursor: "pointer",
                        font: "inherit", padding: "8px", textAlign: "left" };

function initials(user) {
  const letters = [user.firstName, user.lastName].filter(Boolean).map((name) => name[0]);
  return (letters.join("") || user.primaryEmailAddress.emailAddress[0] || "?").toUpperCase();
}

export function UserButton({ showName }) {
  const clerk = useLocalClerk();
  const [view, setView] = useState(null); // null | "menu" | "edit" | "delete"
  const [firstName, setFirstName] = useState("");
  const [lastName, setLastName] = useState("");
  const root = useRef(null);
  const user = clerk.user;

  useEffect(() => {
    if (!view) return undefined;
    const close = (event) => root.current && !root.current.contains(event.target) && setView(null);
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [view]);

  const save = useSubmit(async () => {
    await clerk.updateNames({ first_name: firstName, last_name: lastName });
    setView(null);
  });
  const remove = useSubmit(async () => {
    await clerk.deleteAccount();
  });

  if (clerk.status !== "ready" || !user) return null;
  const startEdit = () => {
    setFirstName(user.firstName || "");
    setLastName(user.lastName || "");
    setView("edit");
  };
  return (
    <div ref={root} style={{ position: "relative", display: "inline-block" }} id="local-clerk-user-button">
      <button
        type="button"
        aria-label="Open user menu"
        aria-expanded={!!view}
        onClick={() => setView(view ? null : "menu")}
        style={{ alignItems: "center", background: "none", border: 0, cursor: "pointer",
                 display: "flex", gap: 8, font: "inherit", padding: 0 }}
      >
        <span style={{ background: "#2f2f8f", borderRadius: "50%", color: "white",
                       display: "grid", font: "600 13px system-ui, sans-serif", height: 32,
                       placeItems: "center", width: 32 }}>
          {initials(user)}
        </span>
        {showName && <span>{user.fullName || user.primaryEmailAddress.emailAddress}</span>}
      </button>
      {view === "menu" && (
        <div role="menu" style={menuStyle}>
          <div>
            <strong data-testid="local-clerk-full-name">{user.fullName || "No name"}</strong>
            <div style={{ color: "#555" }}>{user.primaryEmailAddress.emailAddress}</div>
          </div>
          <button type="button" role="menuitem" style={menuItemStyle} onClick={startEdit}>
            Edit name
          </button>
          <button type="button" role="menuitem" style={menuItemStyle}
                  onClick={() => setView("delete")}>
            Delete account
          </button>
          <button type="button" role="menuitem" style={menuItemStyle}
                  onClick={() => clerk.signOut()}>
            Sign out
          </button>
        </div>
      )}
      {view === "edit" && (
        <form onSubmit={save.submit} style={menuStyle} aria-label="Edit name">
          <Field label="First name" name="first_name" value={firstName} onChange={setFirstName} />
          <Field label="Last name" name="last_name" value={lastName} onChange={setLastName} />
          {save.error && <p role="alert" style={errorStyle}>{save.error}</p>}
          <button type="submit" disabled={save.busy} style={primaryStyle}>Save</button>
          <button type="button" style={menuItemStyle} onClick={() => setView("menu")}>Cancel</button>
        </form>
      )}
      {view === "delete" && (
        <form onSubmit={remove.submit} style={menuStyle} aria-label="Delete account">
          <p style={{ margin: 0 }}>Delete your account? This cannot be undone.</p>
          {remove.error && <p role="alert" style={errorStyle}>{remove.error}</p>}
          <button type="submit" disabled={remove.busy}
                  style={{ ...primaryStyle, background: "#b00020" }}>
            Delete account
          </button>
          <button type="button" style={menuItemStyle} onClick={() => setView("menu")}>Cancel</button>
        </form>
      )}
    </div>
  );
}
