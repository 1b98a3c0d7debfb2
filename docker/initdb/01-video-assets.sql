CREATE DATABASE video_assets;
