"""The 18-row acceptance test script: cases, runner, operator, settings, verdicts."""
