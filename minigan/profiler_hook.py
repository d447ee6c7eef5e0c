"""The switch that :mod:`minigan.profiler` turns on: ``recorder`` is None unless a profiler is recording.

``Function.apply`` and the backward engine test it once per op and once per backward node; that single
``None`` test is all a run without a profiler pays. While a profiler records, ``recorder`` is its
:class:`minigan.profiler.Recorder`, which times the op (or node) and keeps an event for it."""

recorder = None
