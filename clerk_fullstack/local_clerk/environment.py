"""The instance's settings as Clerk's Frontend API reports them (`/v1/environment`).

Email address and password, with an email code to verify the address at sign-up; first and last
name optional. Everything that would load a script from the internet (captcha, bot protection)
is off, and so is every feature the emulator does not offer.
"""

from __future__ import annotations

from typing import Any

from clerk_fullstack.local_clerk.passwords import MAX_LENGTH, MIN_LENGTH

ATTRIBUTES = (
    "email_address",
    "phone_number",
    "username",
    "first_name",
    "last_name",
    "password",
    "web3_wallet",
    "authenticator_app",
    "backup_code",
    "passkey",
)


def _attribute(name: str, **overrides: Any) -> dict[str, Any]:
    setting: dict[str, Any] = {
        "enabled": False,
        "required": False,
        "used_for_first_factor": False,
        "first_factors": [],
        "used_for_second_factor": False,
        "second_factors": [],
        "verifications": [],
        "verify_at_sign_up": False,
        "name": name,
    }
    setting.update(overrides)
    return setting


def user_settings() -> dict[str, Any]:
    """Who can sign up and how: email + password, email code; names optional."""
    attributes = {name: _attribute(name) for name in ATTRIBUTES}
    attributes["email_address"] = _attribute(
        "email_address",
        enabled=True,
        required=True,
        used_for_first_factor=True,
        first_factors=["email_code"],
        verifications=["email_code"],
        verify_at_sign_up=True,
    )
    attributes["password"] = _attribute("password", enabled=True, required=True)
    attributes["first_name"] = _attribute("first_name", enabled=True)
    attributes["last_name"] = _attribute("last_name", enabled=True)
    return {
        "attributes": attributes,
        "actions": {
            "delete_self": True,
            "create_organization": False,
            "create_organizations_limit": None,
        },
        "social": {},
        "saml": {"enabled": False},
        "enterprise_sso": {"enabled": False},
        "sign_in": {"second_factor": {"required": False}},
        "sign_up": {
            "captcha_enabled": False,
            "captcha_widget_type": None,
            "custom_action_required": False,
            "progressive": True,
            "mode": "public",
            "legal_consent_enabled": False,
            "mfa": {"required": False},
        },
        "restrictions": {
            "allowlist": {"enabled": False},
            "blocklist": {"enabled": False},
            "block_email_subaddresses": {"enabled": False},
            "block_disposable_email_domains": {"enabled": False},
            "ignore_dots_for_gmail_addresses": {"enabled": False},
        },
        "password_settings": {
            "disable_hibp": True,
            "min_length": MIN_LENGTH,
            "max_length": MAX_LENGTH,
            "require_special_char": False,
            "require_numbers": False,
            "require_uppercase": False,
            "require_lowercase": False,
            "show_zxcvbn": False,
            "min_zxcvbn_strength": 0,
            "enforce_hibp_on_sign_in": False,
            "allowed_special_characters": "!\"#$%&'()*+,-./:;<=>?@[]^_`{|}~",
        },
        "passkey_settings": {"allow_autofill": False, "show_sign_in_button": False},
        "attack_protection": {
            "user_lockout": {"enabled": False},
            "pii": {"enabled": False},
            "email_link": {"require_same_client": False},
            "enumeration_protection": {"enabled": False},
        },
        "username_settings": {"min_length": 4, "max_length": 64},
    }


def display_config(application_name: str, instance_id: str) -> dict[str, Any]:
    """How Clerk's UI presents the instance; no captcha, so nothing loads from the internet."""
    return {
        "object": "display_config",
        "id": f"display_config_{instance_id}",
        "instance_environment_type": "development",
        "application_name": application_name,
        "theme": {
            "buttons": {"font_color": "#ffffff", "font_family": "sans-serif", "font_weight": "600"},
            "general": {
                "color": "#6c47ff",
                "padding": "1em",
                "box_shadow": "0 2px 8px rgba(0, 0, 0, 0.2)",
                "font_color": "#151515",
                "font_family": "sans-serif",
                "border_radius": "0.5em",
                "background_color": "#ffffff",
                "label_font_weight": "600",
            },
            "accounts": {"background_color": "#ffffff"},
        },
        "preferred_sign_in_strategy": "password",
        "logo_image_url": "",
        "favicon_image_url": "",
        "home_url": "",
        "sign_in_url": "",
        "sign_up_url": "",
        "user_profile_url": "",
        "waitlist_url": "",
        "after_sign_in_url": "",
        "after_sign_up_url": "",
        "after_sign_out_one_url": "",
        "after_sign_out_all_url": "",
        "after_switch_session_url": "",
        "after_join_waitlist_url": "",
        "organization_profile_url": "",
        "create_organization_url": "",
        "after_leave_organization_url": "",
        "after_create_organization_url": "",
        "branded": False,
        "captcha_public_key": None,
        "captcha_widget_type": None,
        "captcha_provider": None,
        "captcha_public_key_invisible": None,
        "captcha_oauth_bypass": [],
        "captcha_heartbeat": False,
        "captcha_heartbeat_interval_ms": None,
        "support_email": None,
        "clerk_js_version": "6",
        "google_one_tap_client_id": None,
        "show_devmode_warning": True,
        "terms_url": None,
        "privacy_policy_url": None,
    }


def environment(application_name: str, instance_id: str) -> dict[str, Any]:
    """The whole environment object; Clerk's SDK needs every top-level section."""
    return {
        "object": "environment",
        "id": instance_id,
        "auth_config": {
            "object": "auth_config",
            "id": f"aac_{instance_id}",
            "single_session_mode": True,
            "claimed_at": None,
            "reverification": False,
            "session_minter": False,
        },
        "display_config": display_config(application_name, instance_id),
        "user_settings": user_settings(),
        "organization_settings": {
            "enabled": False,
            "max_allowed_memberships": 5,
            "force_organization_selection": False,
            "actions": {"admin_delete": False},
            "domains": {"enabled": False, "enrollment_modes": [], "default_role": None},
            "slug": {"disabled": True},
            "organization_creation_defaults": {"enabled": False},
        },
        "commerce_settings": {
            "object": "commerce_settings",
            "id": f"commerce_settings_{instance_id}",
            "billing": {
                "stripe_publishable_key": None,
                "organization": {"enabled": False, "has_paid_plans": False},
                "user": {"enabled": False, "has_paid_plans": False},
            },
        },
        "api_keys_settings": {
            "object": "api_keys_settings",
            "id": f"api_keys_settings_{instance_id}",
            "enabled": False,
            "user_api_keys_enabled": False,
            "orgs_api_keys_enabled": False,
        },
        "protect_config": {"object": "protect_config", "id": f"protect_config_{instance_id}"},
        "maintenance_mode": False,
        "client_debug_mode": False,
    }
