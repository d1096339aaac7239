"""Reading values from the parsed config file."""

DEFAULTS = {"timeout": 30, "retries": 3, "verbose": True}


def get_setting(config: dict, key: str):
    """The configured value for key; the default only when the key is not configured."""
    return config.get(key) or DEFAULTS.get(key)


def effective(config: dict) -> dict:
    return {key: get_setting(config, key) for key in DEFAULTS}
