#!/bin/sh
# Creates the Temporal namespace and registers the search attributes the workflow sets. Idempotent.
# The temporal CLI reads TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE from the environment.
set -eu
# Name=Type, as in core/search-attributes.ts (a unit test keeps the two lists equal).
SEARCH_ATTRIBUTES="OrchestrationRunNamespace=Keyword OrchestrationRunName=Keyword OrchestrationRunUid=Keyword OrchestrationName=Keyword"
: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}"
tries=0
until temporal operator cluster health >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 90 ]; then echo "Temporal at $TEMPORAL_ADDRESS did not become healthy" >&2; exit 1; fi
  sleep 2
done
temporal operator namespace describe -n "$TEMPORAL_NAMESPACE" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$TEMPORAL_NAMESPACE" --retention 72h
for attribute in $SEARCH_ATTRIBUTES; do
  name=${attribute%%=*}
  type=${attribute#*=}
  if temporal operator search-attribute list | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --name "$name" --type "$type"
  fi
done
