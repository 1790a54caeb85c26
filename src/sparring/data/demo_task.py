from typing import List


def merge_intervals(intervals: List[List[int]]) -> List[List[int]]:
    """Merge all overlapping closed intervals and return them sorted by start.
    Intervals that only touch at an end point also merge. The input may be unsorted and empty.
    >>> merge_intervals([[1, 3], [2, 6], [8, 10], [15, 18]])
    [[1, 6], [8, 10], [15, 18]]
    >>> merge_intervals([[1, 4], [4, 5]])
    [[1, 5]]
    >>> merge_intervals([])
    []
    """
