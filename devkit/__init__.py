"""Form Coach's development kit: synthetic bodies with exact ground truth for the tests and tools.

``devkit.synth`` builds MediaPipe-style landmarks from a kinematic body model; ``devkit.motions``
scripts clean reps of every library exercise with injected faults. Not part of the ``coach``
package: the wheel does not ship it, and the coach never imports it at run time (its demo plays
landmark recordings made by ``tools/make_demo.py``).
"""
