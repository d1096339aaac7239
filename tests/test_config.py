"""Settings come from defaults, then the config file, then SPARKWRIGHT_* env vars, then flags."""

from __future__ import annotations

import pytest

from agent.config import ConfigError, load_settings
from agent.models.llm import ModelConfigError, make_chat_model


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        'deep_model = "anthropic:from-file"\nfast_model = "openai:from-file"\nworker_max_turns = 7\n'
        'sandbox = "local"\n[prices.deep]\ninput = 3.0\noutput = 15.0\n'
    )
    return path


def test_file_then_env_then_flags(config_file, monkeypatch):
    monkeypatch.setenv("SPARKWRIGHT_FAST_MODEL", "openai:from-env")
    monkeypatch.setenv("SPARKWRIGHT_WORKER_MAX_TURNS", "9")
    settings = load_settings(config_file, worker_max_turns=11, deep_model=None)
    assert settings.deep_model == "anthropic:from-file"  # only the file sets it (a None flag is no flag)
    assert settings.fast_model == "openai:from-env"  # env beats the file
    assert settings.worker_max_turns == 11  # a flag beats both
    assert settings.sandbox == "local" and settings.prices["deep"].output == 15.0
    assert settings.max_escalations_per_step == 2  # the default where nobody says otherwise


def test_the_default_config_file_lives_in_the_home(home, monkeypatch):
    home.mkdir(parents=True)
    (home / "config.toml").write_text('fast_model = "vllm:coder"\n')
    assert load_settings().fast_model == "vllm:coder"
    assert load_settings().database == str(home / "sparkwright.db")


def test_an_unknown_setting_in_the_file_is_refused(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("worker_max_turnz = 3\n")
    with pytest.raises(ConfigError, match="worker_max_turnz"):
        load_settings(path)


@pytest.mark.parametrize(
    "spec, base_url, expected_url",
    [
        ("ollama:qwen2.5-coder", None, "http://localhost:11434/v1"),
        ("llamacpp:qwen", None, "http://localhost:8080/v1"),
        ("vllm:qwen", None, "http://localhost:8000/v1"),
        ("openai-compatible:qwen", "http://10.0.0.5:9000/v1", "http://10.0.0.5:9000/v1"),
    ],
)
def test_local_servers_are_openai_compatible_clients(spec, base_url, expected_url):
    model = make_chat_model(spec, base_url, env={})
    assert type(model).__name__ == "ChatOpenAI"
    assert str(model.openai_api_base).rstrip("/") == expected_url
    assert model.model_name == spec.split(":", 1)[1]


def test_a_provider_never_falls_back_to_another():
    with pytest.raises(ModelConfigError, match="needs the server's URL"):
        make_chat_model("openai-compatible:qwen", None, env={"OPENAI_API_KEY": "sk-x"})
    assert type(make_chat_model("anthropic:claude-x", None, env={"ANTHROPIC_API_KEY": "k"})).__name__ == "ChatAnthropic"
