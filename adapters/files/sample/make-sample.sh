#!/usr/bin/env sh
# Makes sample.mp4, the movie `npm start` puts in a fresh movies folder:
# 10 s of H.264 (main profile, B-frames, 2 s GOP) + AAC-LC stereo, about 300 KB.
# The edit list is left out so a local decode and an RTP stream start on the same
# audio sample (an AAC priming edit cannot be carried over RTP).
set -eu
cd "$(dirname "$0")"
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=size=320x240:rate=25:duration=10" \
  -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=10,aformat=channel_layouts=stereo" \
  -c:v libx264 -profile:v main -preset medium -g 50 -bf 2 -b:v 180k -pix_fmt yuv420p \
  -c:a aac -b:a 64k \
  -use_editlist 0 -movflags +faststart \
  -metadata title="Streamhouse sample" \
  sample.mp4
