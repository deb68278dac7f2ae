"""Known-answer evaluation: questions.jsonl and its runner."""
