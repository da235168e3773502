// The Recipes module: llm-compressor recipe YAML into typed values.
