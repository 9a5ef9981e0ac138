"""Records every event id it gets (one line per event: '<daemon tag> <id>'), for the cut-over test."""
import os


def registerCallbacks(reg):
    reg.registerCallback(os.environ['REC_SCRIPT'], os.environ['REC_KEY'], record)


def record(sg, logger, event, args):
    with open(os.environ['REC_FILE'], 'a') as fh:
        fh.write('%s %d\n' % (os.environ['REC_TAG'], event['id']))
