"""Read services shared by the REST API and the web pages (one query path for both).

They belong with their stages (leads with sources/, plays with plays/, jobs with jobs/) and move there
once those folders grow query modules; api/ and web/ only call them.
"""
