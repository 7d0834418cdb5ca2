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

// Closes the open menu or form on a press anywhere outside the user button.
function useCloseOnOutsidePress(root, view, setView) {
  useEffect(() => {
    if (!view) return undefined;
    const close = (event) => root.current && !root.current.contains(event.target) && setView(null);
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [root, view, setView]);
}

export function UserButton({ showName }) {
  const clerk = useLocalClerk();
  const [view, setView] = useState(null); // null | "menu" | "edit" | "delete"
  const [firstName, setFirstName] = useState("");
  const [lastName, setLastName] = useState("");
  const root = useRef(null);
  const user = clerk.user;
  useCloseOnOutsidePress(root, view, setView);
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
  const backToMenu = () => setView("menu");
  return (
    <div
      ref={root}
      style={{ position: "relative", display: "inline-block" }}
      id="local-clerk-user-button"
    >
      <button
        type="button"
        aria-label="Open user menu"
        aria-expanded={!!view}
        onClick={() => setView(view ? null : "menu")}
        style={toggleStyle}
      >
        <span style={avatarStyle}>{initials(user)}</span>
        {showName && <span>{user.fullName || user.primaryEmailAddress.emailAddress}</span>}
      </button>
      {view === "menu" && (
        <Menu
          user={user}
          onEdit={startEdit}
          onDelete={() => setView("delete")}
          onSignOut={() => clerk.signOut()}
        />
      )}
      {view === "edit" && (
        <MenuForm label="Edit name" action={save} submitLabel="Save" onCancel={backToMenu}>
          <Field label="First name" name="first_name" value={firstName} onChange={setFirstName} />
          <Field label="Last name" name="last_name" value={lastName} onChange={setLastName} />
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
