"""The grading side of the CNN case studies course: data preparation, hidden checks, autograde."""
