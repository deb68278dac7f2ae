"""Known-answer evaluation: the question files in eval/questions/, their checker and the runner."""
