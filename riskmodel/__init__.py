"""The risk model: exposure rings, safety distances, coverage, township aggregation, flood and warning
scenarios. Objects in, objects out; never imports streamlit."""
