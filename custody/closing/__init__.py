"""Closing time: the schedule of sweeps, working days, notifications."""
