// SignIn and SignUp: one passwordless form, asking for names only when signing up.

import { useEffect, useState } from "react";
import { useLocalClerk } from "./context.js";
import { LOCAL_BANNER_TEXT } from "./provider.jsx";
import { redirectTarget, withRedirect } from "./redirects.js";
import {
  AppLink,
  cardStyle,
  ErrorMessage,
  Field,
  headingStyle,
  primaryStyle,
  useSubmit,
} from "./ui.jsx";

const KINDS = {
  "sign-in": {
    label: "Sign in",
    heading: "Sign in",
    fallbackUrl: "signInFallbackRedirectUrl",
    question: "Don't have an account?",
    other: { label: "Sign up", url: "signUpUrl" },
  },
  "sign-up": {
    label: "Sign up",
    heading: "Create your account",
    fallbackUrl: "signUpFallbackRedirectUrl",
    question: "Already have an account?",
    other: { label: "Sign in", url: "signInUrl" },
  },
};

// The page's `redirect_url`, read after mounting so server and client render alike.
function useRedirectParam() {
  const [redirect, setRedirect] = useState(null);
  useEffect(() => {
    setRedirect(new URLSearchParams(window.location.search).get("redirect_url"));
  }, []);
  return redirect;
}

function AuthForm({ kind, forceRedirectUrl, fallbackRedirectUrl, otherUrl, onDone }) {
  const text = KINDS[kind];
  const clerk = useLocalClerk();
  const [email, setEmail] = useState("");
  const [firstName, setFirstName] = useState("");
  const [lastName, setLastName] = useState("");
  const { busy, error, submit } = useSubmit(async () => {
    if (kind === "sign-up") {
      await clerk.signUp({ email_address: email, first_name: firstName, last_name: lastName });
    } else {
      await clerk.signIn({ email_address: email });
    }
    onDone?.();
    const providerFallback = clerk.urls[text.fallbackUrl];
    clerk.navigate(
      redirectTarget({ force: forceRedirectUrl, fallback: fallbackRedirectUrl, providerFallback }),
    );
  });
  const redirect = useRedirectParam();
  const otherHref = withRedirect(otherUrl || clerk.urls[text.other.url], redirect);
  return (
    <form onSubmit={submit} style={cardStyle} id={`local-clerk-${kind}`} aria-label={text.label}>
      <h2 style={headingStyle}>{text.heading}</h2>
      <p style={{ margin: 0, color: "#555" }}>{LOCAL_BANNER_TEXT}. No password is needed.</p>
      <Field
        label="Email address"
        name="email_address"
        type="email"
        value={email}
        onChange={setEmail}
        required
      />
      {kind === "sign-up" && (
        <>
          <Field label="First name" name="first_name" value={firstName} onChange={setFirstName} />
          <Field label="Last name" name="last_name" value={lastName} onChange={setLastName} />
        </>
      )}
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy} style={primaryStyle}>
        Continue
      </button>
      <p style={{ margin: 0 }}>
        {text.question} <AppLink to={otherHref}>{text.other.label}</AppLink>
      </p>
    </form>
  );
}

export function SignIn({ signUpUrl, ...props }) {
  return <AuthForm {...props} kind="sign-in" otherUrl={signUpUrl} />;
}

export function SignUp({ signInUrl, ...props }) {
  return <AuthForm {...props} kind="sign-up" otherUrl={signInUrl} />;
}
