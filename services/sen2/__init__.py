"""The DfE SEN2 return (docs/decisions.md "SEN2 return")."""
