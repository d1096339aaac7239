"""Chat models: building them from `provider:model`, reading tool calls written as text, the scripted model."""
