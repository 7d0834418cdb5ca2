// The user button's menu and the small forms that take its place.

import { cardStyle, ErrorMessage, primaryStyle } from "./ui.jsx";

const menuStyle = {
  ...cardStyle,
  gap: 8,
  padding: 16,
  position: "absolute",
  right: 0,
  top: "calc(100% + 8px)",
  width: 280,
  zIndex: 1000,
};
const menuItemStyle = {
  background: "none",
  border: 0,
  borderRadius: 6,
  cursor: "pointer",
  font: "inherit",
  padding: "8px",
  textAlign: "left",
};

export function Menu({ user, onEdit, onDelete, onSignOut }) {
  return (
    <div role="menu" style={menuStyle}>
      <div>
        <strong data-testid="local-clerk-full-name">{user.fullName || "No name"}</strong>
        <div style={{ color: "#555" }}>{user.primaryEmailAddress.emailAddress}</div>
      </div>
      <button type="button" role="menuitem" style={menuItemStyle} onClick={onEdit}>
        Edit name
      </button>
      <button type="button" role="menuitem" style={menuItemStyle} onClick={onDelete}>
        Delete account
      </button>
      <button type="button" role="menuitem" style={menuItemStyle} onClick={onSignOut}>
        Sign out
      </button>
    </div>
  );
}

// A small form in the menu's place; `action` is a useSubmit result owned by the user button.
export function MenuForm({
  label,
  action,
  submitLabel,
  submitStyle = primaryStyle,
  onCancel,
  children,
}) {
  return (
    <form onSubmit={action.submit} style={menuStyle} aria-label={label}>
      {children}
      <ErrorMessage error={action.error} />
      <button type="submit" disabled={action.busy} style={submitStyle}>
        {submitLabel}
      </button>
      <button type="button" style={menuItemStyle} onClick={onCancel}>
        Cancel
      </button>
    </form>
  );
}
