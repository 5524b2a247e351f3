"""The PYNQ driver bundle: plain modules importing only numpy, pynq and the standard library
(Python 3.10), copied as they are into every package folder."""
