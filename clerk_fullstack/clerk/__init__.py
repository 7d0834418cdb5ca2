"""Python wrappers of Clerk's React SDK (`@clerk/react`, Core 3): one small class per component."""

from clerk_fullstack.clerk.buttons import (
    SignInButton,
    SignOutButton,
    SignUpButton,
    sign_in_button,
    sign_out_button,
    sign_up_button,
)
from clerk_fullstack.clerk.control import (
    ClerkDegraded,
    ClerkFailed,
    ClerkLoaded,
    ClerkLoading,
    Show,
    clerk_degraded,
    clerk_failed,
    clerk_loaded,
    clerk_loading,
    show,
    signed_in,
    signed_out,
)
from clerk_fullstack.clerk.library import CLERK_REACT, CLERK_REACT_VERSION, clerk_library
from clerk_fullstack.clerk.provider import ClerkProvider, clerk_provider
from clerk_fullstack.clerk.token import (
    ClerkTokenBridge,
    TokenResult,
    clerk_token_bridge,
    request_session_token,
)
from clerk_fullstack.clerk.ui import SignIn, SignUp, UserButton, sign_in, sign_up, user_button

__all__ = [
    "CLERK_REACT",
    "CLERK_REACT_VERSION",
    "ClerkDegraded",
    "ClerkFailed",
    "ClerkLoaded",
    "ClerkLoading",
    "ClerkProvider",
    "ClerkTokenBridge",
    "Show",
    "SignIn",
    "SignInButton",
    "SignOutButton",
    "SignUp",
    "SignUpButton",
    "TokenResult",
    "UserButton",
    "clerk_degraded",
    "clerk_failed",
    "clerk_library",
    "clerk_loaded",
    "clerk_loading",
    "clerk_provider",
    "clerk_token_bridge",
    "request_session_token",
    "show",
    "sign_in",
    "sign_in_button",
    "sign_out_button",
    "sign_up",
    "sign_up_button",
    "signed_in",
    "signed_out",
    "user_button",
]
