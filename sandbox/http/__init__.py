"""The HTTP stack around the operation handlers: the gate, the prepared operations, guards,
error rendering and the envelope. Handlers live in ``sandbox.api``."""
