// The sign-in, sign-up and sign-out buttons: each wraps its one child (or a plain button) and
// gives it the click behaviour.

import { Children, cloneElement, isValidElement, useState } from "react";
import { useLocalClerk } from "./context.js";
import { SignIn, SignUp } from "./forms.jsx";
import { withRedirect } from "./redirects.js";

const overlayStyle = {
  position: "fixed",
  inset: 0,
  background: "rgba(0,0,0,0.4)",
  display: "grid",
  placeItems: "center",
  zIndex: 1000,
};

function withClick(children, defaultLabel, onClick) {
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
    <button type="button" onClick={onClick}>
      {children || defaultLabel}
    </button>
  );
}

// A click on the overlay itself, outside the form, closes the modal.
function Modal({ onClose, children }) {
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: pointer shortcut; the form is keyboard-usable
    <div
      role="dialog"
      aria-modal="true"
      onClick={(event) => event.target === event.currentTarget && onClose()}
      style={overlayStyle}
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
  return <AuthButton {...props} kind="sign-in" />;
}

export function SignUpButton(props) {
  return <AuthButton {...props} kind="sign-up" />;
}

export function SignOutButton({ children, redirectUrl }) {
  const { signOut } = useLocalClerk();
  return withClick(children, "Sign out", () => signOut({ redirectUrl }));
}
