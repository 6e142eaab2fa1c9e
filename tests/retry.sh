#!/usr/bin/env bash
echo retry: todo
