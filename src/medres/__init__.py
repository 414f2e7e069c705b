"""medres: statistics for evaluating the distribution of medical resources across regions."""
