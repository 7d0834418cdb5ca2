// The user button: avatar, then a menu to edit the name, delete the account, or sign out.

import { useEffect, useRef, useState } from "react";
import { useLocalClerk } from "./context.js";
import { Field, primaryStyle, useSubmit } from "./ui.jsx";
import { Menu, MenuForm } from "./user_menu.jsx";

const toggleStyle = {
  alignItems: "center",
  background: "none",
  border: 0,
  cursor: "pointer",
  display: "flex",
  gap: 8,
  font: "inherit",
  padding: 0,
};
const avatarStyle = {
  background: "#2f2f8f",
  borderRadius: "50%",
  color: "white",
  display: "grid",
  font: "600 13px system-ui, sans-serif",
  height: 32,
  placeItems: "center",
  width: 32,
};

function initials(user) {
  const letters = [user.firstName, user.lastName].filter(Boolean).map((name) => name[0]);
  return (letters.join("") || user.primaryEmailAddress.emailAddress[0] || "?").toUpperCase();
}

function Toggle({ user, showName, open, onClick }) {
  return (
    <button
      type="button"
      aria-label="Open user menu"
      aria-expanded={open}
      onClick={onClick}
      style={toggleStyle}
    >
      <span style={avatarStyle}>{initials(user)}</span>
      {showName && <span>{user.fullName || user.primaryEmailAddress.emailAddress}</span>}
    </button>
  );
}

// Closes the open menu or form on a press anywhere outside the user button.
function useCloseOnOutsidePress(root, view, setView) {
  useEffect(() => {
    if (!view) return undefined;
    const close = (event) => root.current && !root.current.contains(event.target) && setView(null);
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [root, view, setView]);
}

// The edit form starts from the current name each time it opens; its state lives here, with the
// user button, so a failed save's message survives a trip back to the menu.
function useNameEditor(clerk, setView) {
  const [firstName, setFirstName] = useState("");
  const [lastName, setLastName] = useState("");
  const save = useSubmit(async () => {
    await clerk.updateNames({ first_name: firstName, last_name: lastName });
    setView(null);
  });
  const start = (user) => {
    setFirstName(user.firstName || "");
    setLastName(user.lastName || "");
    setView("edit");
  };
  return {
    first: { value: firstName, onChange: setFirstName },
    last: { value: lastName, onChange: setLastName },
    save,
    start,
  };
}

export function UserButton({ showName }) {
  const clerk = useLocalClerk();
  const [view, setView] = useState(null); // null | "menu" | "edit" | "delete"
  const root = useRef(null);
  const user = clerk.user;
  useCloseOnOutsidePress(root, view, setView);
  const names = useNameEditor(clerk, setView);
  const remove = useSubmit(async () => {
    await clerk.deleteAccount();
  });

  if (clerk.status !== "ready" || !user) return null;
  const backToMenu = () => setView("menu");
  return (
    <div
      ref={root}
      style={{ position: "relative", display: "inline-block" }}
      id="local-clerk-user-button"
    >
      <Toggle
        user={user}
        showName={showName}
        open={!!view}
        onClick={() => setView(view ? null : "menu")}
      />
      {view === "menu" && (
        <Menu
          user={user}
          onEdit={() => names.start(user)}
          onDelete={() => setView("delete")}
          onSignOut={() => clerk.signOut()}
        />
      )}
      {view === "edit" && (
        <MenuForm label="Edit name" action={names.save} submitLabel="Save" onCancel={backToMenu}>
          <Field label="First name" name="first_name" {...names.first} />
          <Field label="Last name" name="last_name" {...names.last} />
        </MenuForm>
      )}
      {view === "delete" && (
        <MenuForm
          label="Delete account"
          action={remove}
          submitLabel="Delete account"
          submitStyle={{ ...primaryStyle, background: "#b00020" }}
          onCancel={backToMenu}
        >
          <p style={{ margin: 0 }}>Delete your account? This cannot be undone.</p>
        </MenuForm>
      )}
    </div>
  );
}
