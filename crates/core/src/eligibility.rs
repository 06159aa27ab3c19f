//! Eligibility rules (placeholder; being written).
