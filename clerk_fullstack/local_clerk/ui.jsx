// What the forms and the user button share: styles, fields, in-app links and submitting.

import { useState } from "react";
import { useLocalClerk } from "./context.js";

export const cardStyle = {
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
export const primaryStyle = {
  background: "#2f2f8f",
  border: 0,
  borderRadius: 6,
  color: "white",
  cursor: "pointer",
  font: "600 14px system-ui, sans-serif",
  padding: "9px",
};
export const headingStyle = { font: "600 20px/1.3 system-ui, sans-serif", margin: 0 };
const inputStyle = {
  border: "1px solid #ccc",
  borderRadius: 6,
  font: "inherit",
  padding: "8px 10px",
};
const errorStyle = { color: "#b00020", margin: 0 };
const linkStyle = { color: "#2f2f8f", textDecoration: "underline" };

// A link that moves within the app without reloading the page.
export function AppLink({ to, children }) {
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

export function Field({ label, name, type = "text", value, onChange, required }) {
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

export function ErrorMessage({ error }) {
  if (!error) return null;
  return (
    <p role="alert" style={errorStyle}>
      {error}
    </p>
  );
}

// Runs a form's action once per submit and shows its failure message instead of throwing.
export function useSubmit(action) {
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
